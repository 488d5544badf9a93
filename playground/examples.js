// The one-click traps: each a job the form is filled with, run as given (compat safe) and
// with compat pytorch, with a few words on what to look at.

/** id, button title, what the trap is, and the form contents. */
export const EXAMPLES = [
  {
    id: 'probabilities-as-logits',
    title: 'Probabilities sent as logits',
    explain: 'The model already applied softmax, and cross_entropy applies it again: the loss barely moves and the gradient is squashed. lossd warns INPUT_LOOKS_LIKE_PROBABILITIES; PyTorch returns the same number without a word.',
    job: { loss: 'cross_entropy', tensors: {
      input: '[[0.7, 0.2, 0.1],\n [0.1, 0.8, 0.1],\n [0.25, 0.25, 0.5]]', target: '[0, 1, 2]' } },
  },
  {
    id: 'all-ignored',
    title: 'All-ignored batch',
    explain: 'Every target is the ignore_index (-100, the padding label), so the mean divides by zero: PyTorch returns NaN, which poisons the optimizer state. lossd (compat safe) returns 0 and warns ALL_TARGETS_IGNORED.',
    job: { loss: 'cross_entropy', tensors: { input: '[[2.0, 0.5, -1.0],\n [0.1, 0.2, 3.0]]', target: '[-100, -100]' } },
  },
  {
    id: 'ignored-inf-row',
    title: 'Ignored row of -inf logits',
    explain: 'A masked position whose logits are all -inf is ignored, yet PyTorch still gives it a NaN gradient, and NaN spreads through the backward pass. lossd gives it zeros and warns IGNORED_ROW_NONFINITE.',
    job: { loss: 'cross_entropy', tensors: {
      input: '[[1.5, 0.2, -0.3],\n ["-Infinity", "-Infinity", "-Infinity"],\n [0.3, 2.2, 0.1]]', target: '[0, -100, 1]' } },
  },
  {
    id: 'target-out-of-range',
    title: 'Target out of range',
    explain: 'Class 3 with only 3 classes (0 to 2): PyTorch fails with a device-side assert on GPU. lossd answers 422 TARGET_OUT_OF_RANGE with a JSON pointer to the element, highlighted in the target editor.',
    job: { loss: 'cross_entropy', tensors: { input: '[[1.0, 2.0, 0.5],\n [0.3, 0.1, 2.5],\n [1.2, 0.4, 0.9]]', target: '[0, 3, 1]' } },
  },
  {
    id: 'hf-class-last',
    title: 'HF (B,T,V) logits, (B,T) labels',
    explain: 'Hugging Face models return logits as (batch, tokens, vocab) and labels as (batch, tokens) with -100 padding, while cross_entropy wants the classes in dim 1 and answers a confusing shape error. class_dim: -1 reads the classes last (no transposing copy) and shift: true predicts token t+1 at position t, as transformers\' ForCausalLMLoss does: the last position of each sequence gets a zero gradient.',
    job: { loss: 'cross_entropy', options: { class_dim: -1, shift: true }, tensors: {
      input: '[[[2.0, 0.1, -1.0, 0.3, 0.5], [0.2, 1.7, 0.1, -0.4, 0.0], [0.9, 0.3, 0.2, 1.1, -2.0]],\n' +
        ' [[0.0, 0.0, 3.0, 0.2, 0.1], [1.0, -1.0, 0.5, 0.5, 2.2], [0.4, 0.4, 0.4, 0.4, 0.4]]]',
      target: '[[0, 1, -100],\n [2, 4, -100]]' } },
  },
  {
    id: 'float32-extreme',
    title: 'float32 extreme logits',
    explain: 'The target logit lies more than 87 below the row maximum, where exp underflows in float32: softmax says probability 0 and a naive log(softmax) gives -inf. lossd (like PyTorch) uses log-sum-exp and returns the finite loss, and warns EXTREME_LOGITS.',
    job: { loss: 'cross_entropy', tensors: { input: '[[120.0, 0.0, 10.0],\n [3.0, 1.0, 0.5]]', target: '[1, 0]' } },
  },
  {
    id: 'nll-raw-outputs',
    title: 'NLL on raw linear outputs',
    explain: 'nll_loss expects log-probabilities (log_softmax first). Fed raw linear outputs it returns minus the target logit, here a negative "loss". lossd warns INPUT_NOT_LOG_PROBABILITIES; PyTorch computes it silently.',
    job: { loss: 'nll_loss', tensors: { input: '[[2.1, -0.3, 0.8],\n [0.5, 1.7, -1.2]]', target: '[0, 1]' } },
  },
];
