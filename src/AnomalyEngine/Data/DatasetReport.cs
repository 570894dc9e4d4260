namespace AnomalyEngine.Data;

/// <summary>What <see cref="DatasetValidation.Check"/> found: errors make a dataset unusable, warnings do not.</summary>
/// <param name="Errors">One line per error, naming the file and the fix.</param>
/// <param name="Warnings">One line per warning (e.g. an empty mask on a defective image).</param>
public sealed record DatasetReport(IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings)
{
    /// <summary>True when there are no errors.</summary>
    public bool IsValid => Errors.Count == 0;
}
