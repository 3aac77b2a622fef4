package metrics_test

import (
	"fmt"

	"github.com/cairn-ml/cairn/metrics"
)

// Span-level scores of predicted entity tags against gold ones, as the
// conlleval script computes and prints them. The prediction finds both
// PER spans (the second one written "I-PER" after "O", which conlleval
// reads as a span start) and gets the type of the LOC span wrong.
func ExampleEvalSpans() {
	gold := [][]string{
		{"B-PER", "I-PER", "O", "B-LOC"},
		{"O", "B-PER", "O", "O"},
	}
	pred := [][]string{
		{"B-PER", "I-PER", "O", "B-ORG"},
		{"O", "I-PER", "O", "O"},
	}
	e, err := metrics.EvalSpans(gold, pred)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("P %.3f R %.3f F1 %.3f accuracy %.3f\n", e.Overall.Precision(), e.Overall.Recall(), e.Overall.F1(), e.Accuracy())
	fmt.Printf("PER: %+v\n", e.ByType["PER"])
	fmt.Print(e.Report())
	// Output:
	// P 0.667 R 0.667 F1 0.667 accuracy 0.750
	// PER: {Gold:2 Predicted:2 Correct:2}
	// processed 8 tokens with 3 phrases; found: 3 phrases; correct: 2.
	// accuracy:  75.00%; precision:  66.67%; recall:  66.67%; FB1:  66.67
	//               LOC: precision:   0.00%; recall:   0.00%; FB1:   0.00  0
	//               ORG: precision:   0.00%; recall:   0.00%; FB1:   0.00  1
	//               PER: precision: 100.00%; recall: 100.00%; FB1: 100.00  2
}
