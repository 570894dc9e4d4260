import torch
import torch.nn.functional as F

from conftest import LATENT, TOKENS, WIDTH
from ldm import grad_export as ge
from ldm.parity import unet_loss_vjp, unet_vjp


def rel_err(a, b):
    return ((a - b).abs().max() / b.abs().max()).item()


def test_traced_vjp_matches_autograd_at_the_traced_and_other_batch_sizes(small_models):
    unet = small_models[2]
    gm = ge.trace_vjp(unet, ge.example_inputs(LATENT, TOKENS, WIDTH))
    for b in (1, 3, 5):
        x = ge.example_inputs(LATENT, TOKENS, WIDTH, batch=b, seed=10 + b)
        assert rel_err(gm(*x), unet_vjp(unet, *x)) <= 1e-4


def test_traced_loss_and_gradient_match_autograd_at_several_batch_sizes(small_models):
    unet = small_models[2]
    gm = ge.trace_loss_vjp(unet, ge.example_loss_inputs(LATENT, TOKENS, WIDTH))
    for b in (1, 3, 4):
        x = ge.example_loss_inputs(LATENT, TOKENS, WIDTH, batch=b, seed=20 + b)
        loss, grad = gm(*x)
        ref_loss, ref_grad = unet_loss_vjp(unet, *x)
        assert loss.shape == (b,)
        assert rel_err(loss, ref_loss) <= 1e-5
        assert rel_err(grad, ref_grad) <= 1e-4


def test_fused_gradient_is_the_vjp_with_the_loss_cotangent(small_models):
    # d/dc sum w (u(c) - y)^2 = J^T (2 w (u - y)): the fused graph against unet_grad's formula,
    # and its loss against the formula evaluated directly.
    unet = small_models[2]
    latent, t, ctx, target, w = ge.example_loss_inputs(LATENT, TOKENS, WIDTH, batch=2, seed=9)
    with torch.no_grad():
        u = unet(latent, t, ctx)
    loss, grad = unet_loss_vjp(unet, latent, t, ctx, target, w)
    assert rel_err(grad, unet_vjp(unet, latent, t, ctx, 2 * w * (u - target))) <= 1e-5
    by_hand = torch.stack([(w[b] * (u[b] - target[b]) ** 2).sum() for b in range(2)])
    assert rel_err(loss, by_hand) <= 1e-6


def test_autograd_vjp_matches_central_finite_differences(small_models):
    # <grad_context, d> = d/dh <unet(c + h d), g> at h = 0, checked in float64.
    unet64 = __import__('copy').deepcopy(small_models[2]).double()
    latent, t, ctx, g = ge.example_inputs(LATENT, TOKENS, WIDTH, batch=2, seed=4)
    latent, ctx, g = latent.double(), ctx.double(), g.double()
    grad = unet_vjp(unet64, latent, t, ctx, g)
    gen = torch.Generator().manual_seed(5)
    h = 1e-4
    for _ in range(3):
        d = torch.randn(ctx.shape, generator=gen, dtype=torch.float64)
        with torch.no_grad():
            fd = ((unet64(latent, t, ctx + h * d) * g).sum()
                  - (unet64(latent, t, ctx - h * d) * g).sum()) / (2 * h)
        analytic = (grad * d).sum()
        assert abs((analytic - fd) / fd).item() <= 1e-4


def test_traced_graphs_hold_only_ops_the_exporter_maps(small_models):
    unet = small_models[2]
    for gm in (ge.trace_vjp(unet, ge.example_inputs(LATENT, TOKENS, WIDTH)),
               ge.trace_loss_vjp(unet, ge.example_loss_inputs(LATENT, TOKENS, WIDTH))):
        targets = {str(n.target) for n in gm.graph.nodes
                   if n.op in ('call_function', 'call_method')}
        for bad in ('convolution_backward', 'aten.view', '_reshape_alias', 'aten.var', 'fill',
                    '_to_copy', 'empty_like'):
            assert not any(bad in t for t in targets), bad


def test_conv_backward_is_the_transposed_convolution_for_every_stride_and_size():
    gen = torch.Generator().manual_seed(1)
    for size, stride in ((16, 1), (16, 2), (15, 2), (9, 3)):
        x = torch.randn(2, 3, size, size, generator=gen, requires_grad=True)
        w = torch.randn(5, 3, 3, 3, generator=gen)
        y = F.conv2d(x, w, stride=stride, padding=1)
        gy = torch.randn(y.shape, generator=gen)
        (ref,) = torch.autograd.grad(y, x, gy)
        got, _, _ = ge._conv_backward_input(gy, x.detach(), w, None, [stride] * 2, [1, 1],
                                            [1, 1], False, [0, 0], 1, [True, False, False])
        assert got.shape == ref.shape
        assert rel_err(got, ref) <= 1e-5


def test_var_as_mean_of_squared_deviations_equals_torch_var():
    x = torch.randn(3, 4, 5, 6, generator=torch.Generator().manual_seed(2))
    for corr in (0, 1):
        ref = torch.var(x, dim=[2, 3], unbiased=bool(corr), keepdim=True)
        got = ge._var_correction(x, [2, 3], corr, True)
        assert rel_err(got, ref) <= 1e-6
