using System.Collections;
using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using Spectre.Console.Cli;

namespace AnomalyEngine.Cli;

/// <summary>
/// <c>--config file.json</c>: a JSON object whose keys are a verb's long option names, turned into
/// ordinary <c>--name=value</c> arguments before Spectre parses them (the --config option itself is
/// removed), so every verb gets it for free and one parser checks every value. Options already on
/// the command line win.
/// </summary>
internal static class ConfigFile
{
    private const string Option = "--config";

    /// <summary>
    /// Returns <paramref name="args"/> with the options of the --config file appended. The verb is the
    /// first argument; <paramref name="settingsOf"/> gives its settings type (null: unknown verb, left to the parser).
    /// </summary>
    public static string[] Expand(string[] args, Func<string, Type?> settingsOf)
    {
        var (path, at, count) = Find(args);
        if (path is null)
            return args;
        // --config is consumed here, so every verb takes it whatever its settings class.
        args = [.. args[..at], .. args[(at + count)..]];
        if (args.Length == 0 || args[0].StartsWith('-'))
            throw new InvalidOptionException("--config needs a verb first, e.g. 'anomaly-engine synth-data --config synth.json'.");
        string verb = args[0];
        var settings = settingsOf(verb);
        if (settings is null)
            return args;
        var options = Options(settings);
        JsonElement root = Read(path);
        var extra = new List<string>();
        foreach (var entry in root.EnumerateObject())
        {
            if (entry.Name == "config")
                throw new InvalidOptionException($"config file '{path}': 'config' cannot be set from a config file.");
            if (!options.TryGetValue(entry.Name, out var option))
                throw new InvalidOptionException(
                    $"config file '{path}': '{entry.Name}' is not an option of '{verb}'; its options are: {string.Join(", ", options.Keys.Order(StringComparer.Ordinal))}.");
            if (GivenOnCommandLine(args, option.Attribute))
                continue;
            extra.AddRange(Arguments(path, entry.Name, entry.Value, option.Property));
        }
        return [.. args, .. extra];
    }

    /// <summary>The --config value, where it starts and how many arguments it spans; a null path when absent.</summary>
    private static (string? Path, int At, int Count) Find(string[] args)
    {
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "--")
                break;
            if (a == Option)
                return i + 1 < args.Length ? (args[i + 1], i, 2) : throw new InvalidOptionException("--config needs a file: --config options.json.");
            if (a.StartsWith(Option + "=", StringComparison.Ordinal) || a.StartsWith(Option + ":", StringComparison.Ordinal))
                return (a[(Option.Length + 1)..], i, 1);
        }
        return (null, 0, 0);
    }

    private static JsonElement Read(string path)
    {
        if (!File.Exists(path))
            throw new InvalidOptionException($"config file '{path}' does not exist.");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidOptionException($"config file '{path}' must hold one JSON object, e.g. {{\"steps\": 50}}.");
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOptionException($"config file '{path}' is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The verb's options by long name (every alias), from the settings class and its bases.</summary>
    internal static Dictionary<string, (PropertyInfo Property, CommandOptionAttribute Attribute)> Options(Type settings)
    {
        var map = new Dictionary<string, (PropertyInfo, CommandOptionAttribute)>(StringComparer.Ordinal);
        foreach (var p in settings.GetProperties(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
            if (p.GetCustomAttribute<CommandOptionAttribute>() is { } a)
                foreach (string name in a.LongNames)
                    map[name] = (p, a);
        return map;
    }

    private static bool GivenOnCommandLine(string[] args, CommandOptionAttribute option)
    {
        var names = option.LongNames.Select(n => "--" + n).Concat(option.ShortNames.Select(n => "-" + n));
        foreach (string a in args)
        {
            if (a == "--")
                break;
            foreach (string n in names)
                if (a == n || a.StartsWith(n + "=", StringComparison.Ordinal) || a.StartsWith(n + ":", StringComparison.Ordinal))
                    return true;
        }
        return false;
    }

    /// <summary>The arguments one key becomes; each value is checked here so that the error names the file.</summary>
    private static IEnumerable<string> Arguments(string path, string name, JsonElement value, PropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (value.ValueKind == JsonValueKind.Null)
            return [];
        if (type == typeof(bool))
        {
            return value.ValueKind switch
            {
                JsonValueKind.True => ["--" + name],
                JsonValueKind.False => [],
                _ => throw Bad(path, name, value, "true or false"),
            };
        }
        var element = ElementType(type);
        if (value.ValueKind == JsonValueKind.Array)
        {
            if (element is null)
                throw Bad(path, name, value, "a single value, not a list");
            return value.EnumerateArray().Select(v => $"--{name}={Scalar(path, name, v, element, property)}").ToArray();
        }
        return [$"--{name}={Scalar(path, name, value, element ?? type, property)}"];
    }

    private static string Scalar(string path, string name, JsonElement value, Type type, PropertyInfo property)
    {
        string text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True or JsonValueKind.False when type == typeof(string) => value.GetRawText(),
            _ => throw Bad(path, name, value, Expected(type)),
        };
        if (type == typeof(string))
            return text;
        var converter = property.GetCustomAttribute<TypeConverterAttribute>() is { } attribute && Type.GetType(attribute.ConverterTypeName) is { } converterType
            ? (TypeConverter)Activator.CreateInstance(converterType)!
            : TypeDescriptor.GetConverter(type);
        try
        {
            if (converter.ConvertFromInvariantString(text) is null)
                throw Bad(path, name, value, Expected(type));
        }
        catch (Exception e) when (e is not InvalidOptionException)
        {
            throw Bad(path, name, value, Expected(type));
        }
        return text;
    }

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type != typeof(string) && type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0]
        : null;

    private static string Expected(Type type) =>
        type == typeof(int) || type == typeof(long) || type == typeof(uint) || type == typeof(ulong) ? "an integer"
        : type == typeof(float) || type == typeof(double) || type == typeof(decimal) ? "a number"
        : type.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(type))
        : $"a {type.Name} value";

    private static InvalidOptionException Bad(string path, string name, JsonElement value, string expected) =>
        new($"config file '{path}': '{name}' must be {expected}, got {value.GetRawText()}.");

    /// <summary>
    /// Settings type of each verb: every command class in this assembly, named by the convention
    /// XyzAbcCommand → "xyz-abc" (checked against the registered verbs by the CLI tests).
    /// </summary>
    internal static Dictionary<string, Type> VerbSettings(Assembly assembly)
    {
        var map = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var t in assembly.GetTypes())
        {
            if (t.IsAbstract || !t.Name.EndsWith("Command", StringComparison.Ordinal) || SettingsTypeOf(t) is not { } settings)
                continue;
            map[VerbName(t)] = settings;
        }
        return map;
    }

    internal static string VerbName(Type command)
    {
        string stem = command.Name[..^"Command".Length];
        var name = new System.Text.StringBuilder();
        for (int i = 0; i < stem.Length; i++)
        {
            if (char.IsUpper(stem[i]) && i > 0)
                name.Append('-');
            name.Append(char.ToLowerInvariant(stem[i]));
        }
        return name.ToString();
    }

    private static Type? SettingsTypeOf(Type command)
    {
        for (var t = command.BaseType; t is not null; t = t.BaseType)
            if (t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(Command<>) || t.GetGenericTypeDefinition() == typeof(AsyncCommand<>)))
                return t.GetGenericArguments()[0];
        return null;
    }
}
