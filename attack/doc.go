// Package attack makes adversarial examples for image classifiers and
// measures them: AdvGAN ("Generating Adversarial Examples with Adversarial
// Networks", Xiao et al., IJCAI 2018) in its semi-whitebox and black-box
// (dynamic distillation) settings, the baselines it is compared with (FGSM,
// PGD and Carlini–Wagner L2), adversarial training as a defence, and the
// MNIST target models A, B and C.
//
// Images are (N, C, H, W) tensors with values in [0, 1]. Every attack
// implements Attack; Evaluate runs one over a test set and reports the
// attack success rate and the perturbation norms.
package attack
