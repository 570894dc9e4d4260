namespace AnomalyEngine.Diffusion;

/// <summary>Which training timesteps a sampler visits.</summary>
public static class Timesteps
{
    /// <summary>
    /// "Leading" spacing plus an offset, visited from noisiest to cleanest: t_i = i * (T / n) + offset
    /// for i = n-1 .. 0 (integer division). 50 of 1000 with offset 1 gives 981, 961, ..., 1, as the
    /// CompVis DDIM sampler (make_ddim_timesteps, "uniform") and diffusers' steps_offset=1 do.
    /// </summary>
    public static int[] Leading(int trainSteps, int steps, int offset = 1)
    {
        if (steps < 1 || steps > trainSteps)
            throw new InvalidOptionException($"The number of sampling steps must be in 1..{trainSteps}, got {steps}.");
        int ratio = trainSteps / steps;
        if (offset < 0 || (steps - 1) * ratio + offset >= trainSteps)
            throw new InvalidOptionException($"A timestep offset of {offset} puts the first step past timestep {trainSteps - 1}; use a smaller offset or fewer steps.");
        var result = new int[steps];
        for (int i = 0; i < steps; i++)
            result[i] = (steps - 1 - i) * ratio + offset;
        return result;
    }
}
