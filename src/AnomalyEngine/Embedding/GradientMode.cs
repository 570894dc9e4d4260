namespace AnomalyEngine.Embedding;

/// <summary>How the embedding's gradient is obtained.</summary>
public enum GradientMode
{
    /// <summary>Exact when the bundle has a <c>unet_loss_grad</c> or <c>unet_grad</c> graph, gradient-free otherwise.</summary>
    Auto,
    /// <summary>The bundle's fused <c>unet_loss_grad</c> graph (one call per step), or <c>unet</c> then <c>unet_grad</c> (the vector-Jacobian product w.r.t. the conditioning).</summary>
    Exact,
    /// <summary>Antithetic random directions through the forward graph only (2K forward rows per support row).</summary>
    GradientFree,
}
