namespace AnomalyEngine;

/// <summary>The base of every error the engine raises on purpose; <see cref="ExitCode"/> is what the CLI returns.</summary>
public abstract class AnomalyEngineException : Exception
{
    protected AnomalyEngineException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>The process exit code the command line maps this error to (see README, "Exit codes").</summary>
    public abstract int ExitCode { get; }
}

/// <summary>A bad option or argument value (exit code 2).</summary>
public sealed class InvalidOptionException(string message, Exception? inner = null) : AnomalyEngineException(message, inner)
{
    public override int ExitCode => 2;
}

/// <summary>Unreadable, oversized or inconsistent input data: images, masks, datasets, support sets (exit code 3).</summary>
public class InvalidInputException(string message, Exception? inner = null) : AnomalyEngineException(message, inner)
{
    public override int ExitCode => 3;
}

/// <summary>A missing, corrupt or mismatched model: bundle manifest, graph file, embedding, detector (exit code 4).</summary>
public class ModelException(string message, Exception? inner = null) : AnomalyEngineException(message, inner)
{
    public override int ExitCode => 4;
}

/// <summary>A native runtime failure or an unusable device or back end (exit code 5).</summary>
public class DeviceUnavailableException(string message, Exception? inner = null) : AnomalyEngineException(message, inner)
{
    public override int ExitCode => 5;
}

/// <summary>A NaN or infinity appeared where finite numbers are required (exit code 6).</summary>
public sealed class NumericalException(string message) : AnomalyEngineException(message)
{
    public override int ExitCode => 6;
}
