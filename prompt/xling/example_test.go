package xling_test

import (
	"fmt"
	"os"

	"github.com/cairn-ml/cairn/metrics"
	"github.com/cairn-ml/cairn/prompt/xling"
)

func ExampleAlpacaPrompt() {
	fmt.Println(xling.AlpacaPrompt("Translate the following sentences from English to Chinese.", "Hello.") + "你好。")
	// Output:
	// Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.
	//
	// ### Instruction:
	// Translate the following sentences from English to Chinese.
	//
	// ### Input:
	// Hello.
	//
	// ### Response:你好。
}

func ExampleMixture() {
	en, _ := xling.ReadXQuAD("testdata/xquad_mini.en.json")
	zh, _ := xling.ReadXQuAD("testdata/xquad_mini.zh.json")
	pairs, _ := xling.QuestionPairs(en, zh)
	trans, _ := xling.TranslationRecords(pairs, "en", "zh", true)
	general := []xling.Record{{Instruction: "Name a primary colour.", Output: "Red."}}
	mix, err := xling.Mixture("alpaca_en + translation_en-zh[:2]", map[string][]xling.Record{
		"alpaca_en": general, "translation_en-zh": trans,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	xling.WriteJSONL(os.Stdout, mix)
	// Output:
	// {"instruction":"Name a primary colour.","input":"","output":"Red."}
	// {"instruction":"Translate the following sentences from English to Chinese.","input":"How many points did the Panthers defense surrender?","output":"黑豹队的防守丢了多少分？"}
	// {"instruction":"What do the following sentences mean in Chinese?","input":"How many career sacks did Jared Allen have?","output":"贾里德在职业生涯中有多少次擒杀？"}
}

func ExampleFitPowerLaw() {
	sizes := []float64{250, 500, 1000, 2000, 4000, 8000}
	truth := xling.PowerLaw{Smax: 100, A: 400, B: 0.45, X0: 300}
	var chrf []float64
	for _, x := range sizes {
		chrf = append(chrf, truth.Value(x))
	}
	p, _ := xling.FitPowerLaw(sizes, chrf, 100, 0)
	fmt.Printf("A %.1f B %.3f X0 %.0f R² %.4f\n", p.A, p.B, p.X0, xling.RSquared(p, sizes, chrf))
	split, _ := xling.AllocateBudget([]xling.Curve{p, xling.PowerLaw{Smax: 100, A: 800, B: 0.45, X0: 300}}, 10000)
	fmt.Printf("budget split %.0f / %.0f\n", split[0], split[1])
	// Output:
	// A 400.0 B 0.450 X0 300 R² 1.0000
	// budget split 3757 / 6243
}

func Example_metrics() {
	fmt.Println(metrics.Match("Paris", "The answer is paris."))
	fmt.Printf("%.2f\n", metrics.AnswerF1("埃菲尔铁塔", []string{"埃菲尔"}, "zh"))
	// Output:
	// true
	// 0.75
}
