// Package attack makes adversarial examples for image classifiers and
// measures them: AdvGAN ("Generating Adversarial Examples with Adversarial
// Networks", Xiao et al., IJCAI 2018) in its semi-whitebox and black-box
// (dynamic distillation) settings, the baselines it is compared with (FGSM,
// PGD and Carlini–Wagner L2), adversarial training as a defence, and the
// MNIST target models A, B and C.
//
// Images are (N, C, H, W) tensors with values in [0, 1]. Every attack
// implements [Attack]; [Evaluate] runs one over a test set and reports the
// attack success rate and the perturbation norms, and [RandomSign] is the
// control that any attack must beat.
//
// # Target models
//
// [ModelA] and [ModelB] are the MNIST models of Tramèr et al.'s ensemble
// adversarial training code and [ModelC] is Carlini and Wagner's MNIST
// model, the three targets of the AdvGAN paper. [TrainClassifier] trains any
// of them, or any other [Classifier] whose parameters nn.Params finds, with
// Adam and cross-entropy, plainly or as a defence with FGSM or PGD
// adversarial training ([TrainConfig].Adversarial).
//
// # AdvGAN
//
// An [AdvGAN] holds a [Generator], which maps an image to a perturbation,
// and a [Discriminator]. [AdvGAN.Train] minimises
//
//	L = λ_adv·L_adv + α·L_GAN + β·L_pert
//
// against a target classifier, with the Carlini–Wagner [Margin] loss as
// L_adv (untargeted or targeted, with a confidence κ), the least-squares GAN
// loss ([DiscriminatorLoss], [GeneratorGANLoss]) and the perturbation's L2
// norm ([L2Penalty], or the paper's soft bound [Hinge]). With
// [AdvGANConfig].Eps > 0 the perturbation is clipped to an L∞ ball (the
// MNIST challenge's ε = 0.3); with Eps = 0 only the hinge bounds it. Once
// trained, [AdvGAN.Perturb] attacks with one forward pass of the generator
// and no access to the target.
//
// In the black-box setting the target is a [BlackBox] that only answers
// with probabilities. [AdvGAN.TrainBlackBox] distils a local model from it
// ([Distill]) and then alternates generator training against the local
// model with updates of the local model on the black box's answers for the
// new adversarial images (dynamic distillation).
//
// # Baselines
//
// [FGSM] and [PGD] (with a random start, on the cross-entropy or the margin
// loss) are L∞ attacks; [CWL2] is Carlini and Wagner's L2 attack with a
// binary search over its constant, with defaults sized for two CPU cores.
//
// examples/advgan runs the paper's MNIST comparison with all of these; its
// README holds the measured table.
package attack
