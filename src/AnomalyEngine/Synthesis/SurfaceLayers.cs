namespace AnomalyEngine.Synthesis;

/// <summary>
/// What a surface is before it is lit: albedo per channel and a height field, plus how shiny it is.
/// Coordinates are in reference pixels (an image is 64 reference pixels wide at every size), so a
/// surface looks the same at any resolution; <see cref="PixelsPerUnit"/> converts.
/// </summary>
internal sealed class SurfaceLayers
{
    public const float ReferenceSize = 64f;

    public SurfaceLayers(int size)
    {
        Size = size;
        R = new float[size * size];
        G = new float[size * size];
        B = new float[size * size];
        H = new float[size * size];
    }

    public int Size { get; }
    public float PixelsPerUnit => Size / ReferenceSize;
    public float[] R { get; }
    public float[] G { get; }
    public float[] B { get; }
    /// <summary>Height in reference pixels (positive is towards the camera).</summary>
    public float[] H { get; }
    /// <summary>Strength of the Blinn-Phong highlight.</summary>
    public float Specular { get; set; } = 0.05f;
    public float Shininess { get; set; } = 16f;
    /// <summary>Amplitude of a broad bright band across the image (anisotropic reflection of brushed metal).</summary>
    public float Band { get; set; }
    public float BandAngle { get; set; }

    public SurfaceLayers Clone()
    {
        var c = new SurfaceLayers(Size) { Specular = Specular, Shininess = Shininess, Band = Band, BandAngle = BandAngle };
        R.CopyTo(c.R, 0); G.CopyTo(c.G, 0); B.CopyTo(c.B, 0); H.CopyTo(c.H, 0);
        return c;
    }

    public float Luminance(int i) => 0.2126f * R[i] + 0.7152f * G[i] + 0.0722f * B[i];

    public void SetAlbedo(int i, float r, float g, float b) { R[i] = r; G[i] = g; B[i] = b; }

    public void ScaleAlbedo(int i, float f) { R[i] *= f; G[i] *= f; B[i] *= f; }
}
