"""Export the vector-Jacobian product of the UNet w.r.t. its conditioning as an ONNX graph.

torch 1.13 cannot export `torch.autograd.grad`, and neither plain `make_fx` nor `make_fx` with the
full decomposition table yields a graph the ONNX exporter accepts. What works (see MODELS.md):
1. trace `vjp(unet)(grad_output)` with functorch's `make_fx` and a short decomposition list;
2. the convolution backward becomes a transposed convolution (only the input gradient is needed:
   weights are constants);
3. rewrite the aten ops the exporter cannot map: `view`/`_reshape_alias`/`_unsafe_view` become
   `reshape`, `var` becomes the mean of squared deviations;
4. make the traced batch size symbolic again (shape arguments that start with the traced batch are
   rebuilt from `context.shape[0]` at run time), then `torch.onnx.export`.

`unet_loss_grad` is the same trace around a weighted squared error: one forward and one backward
pass give both the loss and its gradient w.r.t. the conditioning, where `unet` + `unet_grad` need
a forward pass twice (docs/bundle-format.md).
"""
import operator

import torch
from torch import fx
from functorch import make_fx, vjp
from torch._decomp import get_decompositions

aten = torch.ops.aten

# Batch used while tracing; 3 never occurs as another dimension of the 4x16x16 / 8x128 model, so
# every shape argument whose first entry is a multiple of it can be recognised as batch-led.
TRACE_BATCH = 3


def _conv_backward_input(grad_output, inp, weight, bias_sizes, stride, padding, dilation,
                         transposed, output_padding, groups, output_mask):
    """Input gradient of a convolution as the adjoint convolution; weight and bias grads unused.

    For y = conv(x, W, stride s, padding p): dx = conv_transpose(dy, W, s, p, output_padding=op)
    with op = in - ((out - 1) s - 2 p + d (k - 1) + 1) so the result has x's size.
    For a transposed forward (never used by our models) the adjoint is a plain convolution.
    """
    if transposed:
        gi = aten.convolution(grad_output, weight, None, stride, padding, dilation, False,
                              [0] * len(stride), groups)
    else:
        op = []
        for i in range(len(stride)):
            size_in = inp.shape[2 + i]
            size_out = grad_output.shape[2 + i]
            k = weight.shape[2 + i]
            op.append(size_in - ((size_out - 1) * stride[i] - 2 * padding[i]
                                 + dilation[i] * (k - 1) + 1))
        gi = aten.convolution(grad_output, weight, None, stride, padding, dilation, True, op,
                              groups)
    return gi, None, None


def _var_correction(x, dim=None, correction=None, keepdim=False):
    """var as mean((x - mean x)^2) * n / (n - correction)."""
    if dim is None:
        dim = list(range(x.dim()))
    n = 1
    for d in dim:
        n *= x.shape[d]
    c = 1 if correction is None else correction
    mu = aten.mean.dim(x, dim, True)
    dev = aten.sub.Tensor(x, mu)
    v = aten.mean.dim(aten.mul.Tensor(dev, dev), dim, keepdim)
    return v if c == 0 else aten.mul.Scalar(v, n / (n - c))


def _silu_backward(grad, x):
    """d/dx x sigmoid(x) = s (1 + x (1 - s))."""
    s = aten.sigmoid(x)
    return aten.mul.Tensor(grad, aten.mul.Tensor(s, aten.add.Scalar(
        aten.mul.Tensor(x, aten.rsub.Scalar(s, 1.0)), 1.0)))


def _sigmoid_backward(grad, s):
    """d sigmoid = s (1 - s)."""
    return aten.mul.Tensor(grad, aten.mul.Tensor(s, aten.rsub.Scalar(s, 1.0)))


def decomposition_table():
    table = get_decompositions([
        aten.native_group_norm, aten.native_group_norm_backward,
        aten._softmax, aten._softmax_backward_data,
        aten.silu, aten.t, aten.addmm, aten.transpose.int,
    ])
    table[aten.convolution_backward.default] = _conv_backward_input
    table[aten.var.correction] = _var_correction
    table[aten.silu_backward.default] = _silu_backward
    table[aten.sigmoid_backward.default] = _sigmoid_backward
    return table


_RESHAPES = {aten.view.default, aten._reshape_alias.default, aten._unsafe_view.default,
             aten.reshape.default}


def _rewrite(gm: fx.GraphModule, batch_source: str) -> fx.GraphModule:
    """Reshape instead of views, in-place ops made functional, batch-led shapes made symbolic."""
    g = gm.graph
    src = next(n for n in g.nodes if n.op == 'placeholder' and n.target.startswith(batch_source))
    with g.inserting_after(src):
        # Tensor.size(0) is recorded by the ONNX tracer as Shape+Gather, an aten op is not.
        batch = g.call_method('size', (src, 0))

    def symbolic(shape):
        shape = list(shape)
        if shape and isinstance(shape[0], int) and shape[0] % TRACE_BATCH == 0 and shape[0] > 0:
            k = shape[0] // TRACE_BATCH
            with g.inserting_before(node):
                lead = batch if k == 1 else g.call_function(operator.mul, (batch, k))
            return [lead] + shape[1:]
        return shape

    # The exporter has no mapping for fill/full_like: empty_like(x).fill_(v) becomes x * 0 + v.
    inplace = {aten.sub_.Tensor: aten.sub.Tensor,
               aten.reciprocal_.default: aten.reciprocal.default,
               aten.unsqueeze_.default: aten.unsqueeze.default}
    for node in list(g.nodes):
        if node.op != 'call_function':
            continue
        t = node.target
        # Tensor methods (not aten overloads) keep traced sizes symbolic in the ONNX trace.
        if t in _RESHAPES:
            node.op, node.target = 'call_method', 'reshape'
            node.args = (node.args[0], symbolic(node.args[1]))
        elif t == aten.expand.default:
            node.op, node.target = 'call_method', 'expand'
            node.args = (node.args[0], symbolic(node.args[1]))
        elif t in inplace:
            node.target = inplace[t]
        elif t == aten.empty_like.default:
            node.target = aten.mul.Scalar
            node.args, node.kwargs = (node.args[0], 0.0), {}
        elif t == aten.fill_.Scalar:
            if node.args[0].target != aten.mul.Scalar:
                raise NotImplementedError(f'fill_ of a tensor that is not fresh: {node}')
            node.target = aten.add.Scalar
        elif t == aten._to_copy.default:
            # The exporter maps Tensor.to (Cast) but not _to_copy.
            node.op, node.target = 'call_method', 'to'
            node.args, node.kwargs = (node.args[0], node.kwargs['dtype']), {}
        elif t == aten.clone.default:
            node.replace_all_uses_with(node.args[0])
            g.erase_node(node)
    g.eliminate_dead_code()
    g.lint()
    gm.recompile()
    return gm


def trace_vjp(unet: torch.nn.Module, example):
    """fx graph of (latent, timestep, context, grad_output) -> grad_context for a frozen unet."""
    for p in unet.parameters():
        p.requires_grad_(False)
    unet.eval()

    def f(latent, timestep, context, grad_output):
        _, pull = vjp(lambda c: unet(latent, timestep, c), context)
        return pull(grad_output)[0]

    gm = make_fx(f, decomposition_table=decomposition_table())(*example)
    return _rewrite(gm, 'context')


def trace_loss_vjp(unet: torch.nn.Module, example):
    """fx graph of (latent, timestep, context, target, weight) -> (loss, grad_context) where
    loss[b] = sum over b's elements of weight (unet - target)^2 and grad_context is the gradient of
    sum_b loss[b] w.r.t. context: the vjp of the unet with 2 weight (unet - target)."""
    for p in unet.parameters():
        p.requires_grad_(False)
    unet.eval()

    def f(latent, timestep, context, target, weight):
        noise, pull = vjp(lambda c: unet(latent, timestep, c), context)
        diff = noise - target
        loss = (weight * diff * diff).sum(dim=(1, 2, 3))
        return loss, pull(2.0 * weight * diff)[0]

    gm = make_fx(f, decomposition_table=decomposition_table())(*example)
    return _rewrite(gm, 'context')


def example_loss_inputs(latent_shape, tokens, width, batch=TRACE_BATCH, seed=0):
    """(latent, timestep, context, target, weight); the weight is a 0/1 mask scaled by 1/count."""
    g = torch.Generator().manual_seed(seed)
    c, h, w = latent_shape
    latent, timestep, context, target = example_inputs(latent_shape, tokens, width, batch, seed)
    weight = (torch.rand(batch, c, h, w, generator=g) < 0.3).float() / (batch * c * h * w)
    return latent, timestep, context, target, weight


def export_unet_loss_grad(unet, path, latent_shape, tokens, width, opset=17):
    example = example_loss_inputs(latent_shape, tokens, width)
    gm = trace_loss_vjp(unet, example)
    names = ['latent', 'timestep', 'context', 'target', 'weight']
    outputs = ['loss', 'grad_context']
    torch.onnx.export(gm, example, path, input_names=names, output_names=outputs,
                      dynamic_axes={n: {0: 'batch'} for n in names + outputs},
                      opset_version=opset, do_constant_folding=True)
    return gm


def example_inputs(latent_shape, tokens, width, batch=TRACE_BATCH, seed=0):
    g = torch.Generator().manual_seed(seed)
    c, h, w = latent_shape
    return (torch.randn(batch, c, h, w, generator=g),
            torch.randint(0, 1000, (batch,), generator=g),
            torch.randn(batch, tokens, width, generator=g),
            torch.randn(batch, c, h, w, generator=g))


def export_unet_grad(unet, path, latent_shape, tokens, width, opset=17):
    example = example_inputs(latent_shape, tokens, width)
    gm = trace_vjp(unet, example)
    names = ['latent', 'timestep', 'context', 'grad_output']
    torch.onnx.export(gm, example, path, input_names=names, output_names=['grad_context'],
                      dynamic_axes={n: {0: 'batch'} for n in names + ['grad_context']},
                      opset_version=opset, do_constant_folding=True)
    return gm
