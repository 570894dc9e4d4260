namespace AnomalyEngine.Diffusion;

/// <summary>
/// One sampler step as a linear map: x_prev = X * x_t + Model * model_output + Noise * z, z ~ N(0, I).
/// Every DDIM and DDPM step with epsilon or v prediction (and no clipping) has this form.
/// </summary>
public readonly record struct StepCoefficients(double X, double Model, double Noise);
