using System.Globalization;

namespace AnomalyEngine.Metrics;

/// <summary>A metric's value, or the reason it is undefined (e.g. a test set with one class only); never a made-up number.</summary>
public readonly record struct MetricValue
{
    private MetricValue(double value, bool isDefined, string? reason)
    {
        Value = value;
        IsDefined = isDefined;
        Reason = reason;
    }

    /// <summary>The value; NaN when <see cref="IsDefined"/> is false.</summary>
    public double Value { get; }

    /// <summary>True when the metric has a value for this input.</summary>
    public bool IsDefined { get; }

    /// <summary>Why the metric is undefined; null when it is defined.</summary>
    public string? Reason { get; }

    /// <summary>A defined value.</summary>
    public static MetricValue Defined(double value) => new(value, true, null);

    /// <summary>An undefined value with the reason.</summary>
    public static MetricValue Undefined(string reason) => new(double.NaN, false, reason);

    /// <summary>The value, or null when undefined.</summary>
    public double? AsNullable => IsDefined ? Value : null;

    /// <summary>The value with 4 decimals, or "undefined (reason)".</summary>
    public override string ToString() =>
        IsDefined ? Value.ToString("0.0000", CultureInfo.InvariantCulture) : $"undefined ({Reason})";
}
