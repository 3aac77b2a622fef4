package xling

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Record is one instruction-tuning example in the Alpaca format, with the
// field names of alpaca_data.json and of the JSON Lines files that common
// fine-tuning tools read.
type Record struct {
	Instruction string `json:"instruction"`
	Input       string `json:"input"`
	Output      string `json:"output"`
}

// The Alpaca prompts (Stanford Alpaca's PROMPT_DICT, as x-LLM's train.py
// uses them), byte for byte. The model's output follows "### Response:"
// directly, with no separator.
const (
	// PromptInput is the prompt of a record with an input.
	PromptInput = "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:"
	// PromptNoInput is the prompt of a record whose input is empty.
	PromptNoInput = "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:"
)

// AlpacaPrompt returns the Alpaca prompt of an instruction and its input:
// PromptInput filled in, or PromptNoInput if input is "". Braces in the
// instruction or input are copied as they are, as Python's format_map does.
func AlpacaPrompt(instruction, input string) string {
	const (
		head      = "Below is an instruction that describes a task"
		tail      = ". Write a response that appropriately completes the request.\n\n### Instruction:\n"
		withInput = ", paired with an input that provides further context"
	)
	if input == "" {
		return head + tail + instruction + "\n\n### Response:"
	}
	return head + withInput + tail + instruction + "\n\n### Input:\n" + input + "\n\n### Response:"
}

// Prompt returns the Alpaca prompt of r.
func (r Record) Prompt() string { return AlpacaPrompt(r.Instruction, r.Input) }

// ReadAlpacaJSON reads records from a JSON array of objects with the keys
// instruction, input and output, the format of alpaca_data.json and the
// authors' alpaca_<lang>.json. A missing input reads as "".
func ReadAlpacaJSON(r io.Reader) ([]Record, error) {
	var recs []Record
	if err := json.NewDecoder(r).Decode(&recs); err != nil {
		return nil, fmt.Errorf("xling: ReadAlpacaJSON: %w", err)
	}
	return recs, nil
}

// ReadJSONL reads records from JSON Lines, one object per line; blank lines
// are skipped. Errors name the line.
func ReadJSONL(r io.Reader) ([]Record, error) {
	var recs []Record
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<30)
	for line := 1; sc.Scan(); line++ {
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("xling: ReadJSONL: line %d: %w", line, err)
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("xling: ReadJSONL: %w", err)
	}
	return recs, nil
}

// WriteJSONL writes records as JSON Lines with the keys instruction, input
// and output in that order, UTF-8 as is (no \u escapes of <, > and &).
func WriteJSONL(w io.Writer, recs []Record) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for i, r := range recs {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("xling: WriteJSONL: record %d: %w", i, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("xling: WriteJSONL: %w", err)
	}
	return nil
}
