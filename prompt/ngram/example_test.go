package ngram_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/cairn-ml/cairn/prompt"
	"github.com/cairn-ml/cairn/prompt/ngram"
)

func corpus() [][]string {
	var out [][]string
	for _, s := range []string{
		"show me flights from boston to denver",
		"show me flights from denver to boston",
		"list flights from boston to denver",
		"show me the fares",
	} {
		out = append(out, strings.Fields(s))
	}
	return out
}

// Train a trigram model and ask for word and sentence probabilities.
func ExampleTrain() {
	m, err := ngram.Train(corpus(), 3, ngram.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("order", m.Order(), "n-grams", m.Counts())
	p := math.Exp(m.LogProb([]string{ngram.BOS, "show", "me"}, "flights"))
	fmt.Printf("p(flights | <s> show me) = %.4f\n", p)
	seen, _ := m.SentenceLogProb(strings.Fields("show me flights from boston to denver"))
	shuffled, _ := m.SentenceLogProb(strings.Fields("boston me to flights show denver from"))
	fmt.Println("training sentence beats its shuffle:", seen > shuffled)
	// Output:
	// order 3 n-grams [13 17 16]
	// p(flights | <s> show me) = 0.4835
	// training sentence beats its shuffle: true
}

// Read a model in the ARPA format KenLM and SRILM write.
func ExampleReadARPA() {
	const arpa = `\data\
ngram 1=4
ngram 2=2

\1-grams:
-1.0	<unk>
-99	<s>	-0.3
-0.5	</s>
-0.4	hello	-0.2

\2-grams:
-0.1	<s> hello
-0.2	hello </s>

\end\
`
	m, err := ngram.ReadARPA(strings.NewReader(arpa))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.1f\n", m.Log10Prob([]string{ngram.BOS}, "hello"))   // listed bigram
	fmt.Printf("%.1f\n", m.Log10Prob([]string{"hello"}, "hello"))     // bo(hello) + p(hello)
	fmt.Printf("%.1f\n", m.Log10Prob([]string{ngram.BOS}, "goodbye")) // bo(<s>) + p(<unk>)
	m.WriteARPA(os.Stdout)
	// Output:
	// -0.1
	// -0.6
	// -1.3
	// \data\
	// ngram 1=4
	// ngram 2=2
	//
	// \1-grams:
	// -1	<unk>
	// -99	<s>	-0.3
	// -0.5	</s>
	// -0.4	hello	-0.2
	//
	// \2-grams:
	// -0.1	<s> hello
	// -0.2	hello </s>
	//
	// \end\
}

// The model as a prompt.LM: Chat returns the hypothesis of the numbered
// N-best list in the last user message that the model scores best.
func ExampleModel_Chat() {
	m, err := ngram.Train(corpus(), 3, ngram.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var lm prompt.LM = m
	reply, err := lm.Chat(context.Background(), []prompt.Message{{
		Role:    prompt.User,
		Content: "Report the true transcription.\n1. show me flight from boston\n2. show me flights from boston\n3. show me flights form boston",
	}}, prompt.GenOptions{})
	fmt.Println(reply, err)
	m.EndOfSentence = true
	s, _ := lm.Score(context.Background(), "show me", " the fares")
	fmt.Println(s.Tokens)
	// Output:
	// show me flights from boston <nil>
	// [the fares </s>]
}
