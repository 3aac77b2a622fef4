// Package lens is the analysis core of LinguisticLens (Reif, Kahng and
// Petridis, 2023, "Visualizing Linguistic Diversity of Text Datasets
// Synthesized by Large Language Models"), ported from the released tool
// (PAIR-code/interpretability, data-synth-syntax/preprocess_data.py) so that
// it reproduces the tool's published output exactly.
//
// Each text is parsed (a Parser, or parses the user already has), and four
// lenses compare texts: token, POS and dependency-label n-gram similarity
// (NGramSimilarity, the published asymmetric form; JaccardNGramSimilarity,
// a symmetric variant) and embedding similarity (an Embedder; TFIDFEmbedder
// offline). For each lens the rows of D = 1 − S are clustered by Ward
// linkage exactly as scipy does (WardLinkage), cut into k flat clusters
// (FClusterMaxClust), ordered by the dendrogram (LeafOrder), and every
// cluster is summarised by its most informative frequent gapped pattern
// (TopPattern). Build runs the whole pipeline and returns an Output, which
// marshals to the released tool's JSON layout.
//
// The prose averaged-perceptron POS tagger lives in the subpackage
// viz/lens/prosetag so that importing lens does not pull in its model.
package lens
