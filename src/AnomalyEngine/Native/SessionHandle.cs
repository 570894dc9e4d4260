using Microsoft.Win32.SafeHandles;

namespace AnomalyEngine.Native;

/// <summary>Owns one native ae_session; closed by Dispose or, if forgotten, by the finalizer.</summary>
internal sealed class SessionHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SessionHandle() : base(ownsHandle: true) { }

    /// <summary>Raised with the native address after a session is closed (lets tests observe finalization).</summary>
    internal static event Action<nint>? Released;

    protected override bool ReleaseHandle()
    {
        nint raw = handle;
        AeNative.ae_session_close(raw);
        Released?.Invoke(raw);
        return true;
    }
}
