package text_test

import (
	"fmt"
	"strings"

	"github.com/cairn-ml/cairn/text"
)

func ExampleWordPiece_EncodePair() {
	vocab := "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncafe\nis\nopen\n,\n!\nun\n##aff\n##able\n"
	wp, err := text.LoadWordPiece(strings.NewReader(vocab), true)
	if err != nil {
		panic(err)
	}
	e := wp.EncodePair("The Café is open!", "Unaffable, unknowable", 0)
	fmt.Println(e.Tokens)
	fmt.Println(e.IDs)
	fmt.Println(e.TypeIDs)
	fmt.Printf("%q\n", "The Café is open!"[e.Offsets[2][0]:e.Offsets[2][1]])
	// Output:
	// [[CLS] the cafe is open ! [SEP] un ##aff ##able , [UNK] [SEP]]
	// [2 5 6 7 8 10 3 11 12 13 9 1 3]
	// [0 0 0 0 0 0 0 1 1 1 1 1 1]
	// "Café"
}

func ExampleBasicTokenizer() {
	b := text.NewBasicTokenizer(true)
	fmt.Printf("%q\n", b.Tokenize("Héllo,\u0007 wörld! 北京\tdon't"))
	// Output:
	// ["hello" "," "world" "!" "北" "京" "don" "'" "t"]
}

func ExampleBPETrainer() {
	corpus := []string{"low lower lowest newer newest wider widest", "low low newer newest"}
	bpe, err := text.BPETrainer{VocabSize: 257 + 8}.Train(corpus)
	if err != nil {
		panic(err)
	}
	ids := bpe.Encode("lowest newer")
	fmt.Println(bpe.Tokenize("lowest newer"))
	fmt.Printf("%q\n", bpe.Decode(ids))
	// Output:
	// [lo we st Ġnewe r]
	// "lowest newer"
}

func ExampleTrainChar() {
	c, err := text.TrainChar([]string{"hello"}, []string{"<pad>", "<unk>"}, 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(c.Vocab().Tokens(), c.Encode("hole!"))
	// Output:
	// [<pad> <unk> l e h o] [4 5 2 3 1]
}
