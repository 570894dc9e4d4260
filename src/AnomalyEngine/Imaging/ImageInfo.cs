namespace AnomalyEngine.Imaging;

/// <summary>What an image file's header says, read without decoding its pixels.</summary>
/// <param name="Width">Columns.</param>
/// <param name="Height">Rows.</param>
/// <param name="BitsPerPixel">Bits per pixel over all channels (8: grey, 16: 16-bit grey, 24: RGB, 32: RGBA, 48/64: 16-bit RGB(A)).</param>
/// <param name="Format">The container format, e.g. "PNG", "JPEG", "BMP", "TIFF".</param>
public sealed record ImageInfo(int Width, int Height, int BitsPerPixel, string Format);
