namespace AnomalyEngine.Embedding;

/// <summary>
/// The <c>unet_loss_grad</c> graph: a weighted squared error of the unet's output and its gradient
/// w.r.t. the conditioning in one forward and one backward pass (unet + unet_grad run the forward twice).
/// </summary>
internal interface IConditioningLossGradient
{
    /// <summary>
    /// latents, timesteps, contexts and target/weight [rows,C,h,w] → loss [rows] = Σ weight (unet − target)² per row,
    /// gradContext [rows,T,D] = ∂(Σ loss)/∂context.
    /// </summary>
    void LossAndBackward(float[] latents, long[] timesteps, float[] contexts, float[] target, float[] weight, float[] loss, float[] gradContext, int rows);
}
