// Package active is deep active learning for named-entity recognition
// ("Deep Active Learning for Named Entity Recognition", Shen et al., ICLR
// 2018): the CNN-CNN-LSTM tagger (character CNN, word CNN, greedy LSTM tag
// decoder), a BiLSTM-CRF baseline, the acquisition functions least
// confidence (LC), maximum normalised log-probability (MNLP), Bayesian
// active learning by disagreement with MC dropout (BALD) and random
// sampling, and the pool-based loop that labels sentences under a word
// budget per round.
//
// The loop only needs a Tagger, so any model that can be trained
// incrementally and decode sentences with probabilities can be used.
package active
