namespace AnomalyEngine.Generation;

/// <summary>A rotated rectangle in pixel coordinates: centre, full width and height, angle in degrees (counter-clockwise).</summary>
public readonly record struct DefectBox(double CenterX, double CenterY, double Width, double Height, double AngleDegrees)
{
    /// <summary>True when the pixel centre (x + 0.5, y + 0.5) lies inside the rotated rectangle.</summary>
    public bool Contains(int x, int y) => InsideDistance(x, y) >= 0;

    /// <summary>
    /// The distance from the pixel centre to the nearest edge, positive inside the rectangle and
    /// negative outside (in the box's own frame: min(W/2 − |u|, H/2 − |v|)).
    /// </summary>
    public double InsideDistance(int x, int y)
    {
        double a = AngleDegrees * Math.PI / 180, cos = Math.Cos(a), sin = Math.Sin(a);
        double px = x + 0.5 - CenterX, py = y + 0.5 - CenterY;
        double u = px * cos + py * sin, v = -px * sin + py * cos;
        return Math.Min(Width / 2 - Math.Abs(u), Height / 2 - Math.Abs(v));
    }

    /// <summary>The box as a 0/1 mask of <paramref name="height"/> x <paramref name="width"/>.</summary>
    public float[] Rasterize(int height, int width)
    {
        var mask = new float[height * width];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                if (Contains(x, y)) mask[y * width + x] = 1f;
        return mask;
    }
}
