namespace AnomalyEngine.Native;

/// <summary>Element type of a tensor; the values are those of the native ABI (ae_dtype).</summary>
public enum TensorElementType
{
    /// <summary>A type the engine does not bind (e.g. a boolean or string graph input).</summary>
    Unsupported = 0,
    /// <summary>32-bit IEEE float.</summary>
    Float32 = 1,
    /// <summary>64-bit signed integer.</summary>
    Int64 = 2,
    /// <summary>32-bit signed integer.</summary>
    Int32 = 3,
    /// <summary>8-bit unsigned integer.</summary>
    UInt8 = 4,
    /// <summary>16-bit IEEE float.</summary>
    Float16 = 5,
}
