namespace AnomalyEngine.Embedding;

/// <summary>The <c>unet_grad</c> graph: the vector-Jacobian product of the unet's output w.r.t. its conditioning.</summary>
internal interface IConditioningGradient
{
    /// <summary>latents [rows,C,h,w], timesteps [rows], contexts [rows,T,D], gradOutput [rows,C,h,w] → gradContext [rows,T,D].</summary>
    void Backward(float[] latents, long[] timesteps, float[] contexts, float[] gradOutput, float[] gradContext, int rows);
}
