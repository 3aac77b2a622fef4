// Package prompt is cairn's interface to language models used through
// prompts: the LM interface (score a continuation, generate, chat), its
// backends, and the prompt templates of the methods built on it.
//
// Backends live in subpackages: prompt/ngram (an n-gram model with
// interpolated modified Kneser-Ney smoothing that reads and writes ARPA
// files), prompt/openai (the OpenAI-compatible HTTP API of llama.cpp's
// server, vLLM and Ollama). The methods live beside them: prompt/asr
// (N-best rescoring and generative error correction of speech
// recognition).
package prompt
