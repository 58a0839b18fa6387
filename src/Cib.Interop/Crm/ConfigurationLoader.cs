using Cib.Domain.Configuration;
using Cib.Domain.Primitives;
using Cib.Projections.Store;
using Marten;

namespace Cib.Interop.Crm;

/// <summary>How loaded text combines with the stored configuration (crm's <c>load replace|update</c>).</summary>
public enum LoadMode
{
    /// <summary>The text is the whole configuration: what it does not name is deleted.</summary>
    Replace,
    /// <summary>What the text names is defined or replaced, properties and defaults it sets are set; the rest stays.</summary>
    Update,
}

/// <summary>The outcome of a load: the change applied, or the errors (with lines) that refused it; never both.</summary>
public sealed record ConfigurationLoadResult(
    ConfigurationChangeResult? Applied,
    IReadOnlyList<ConfigurationError> Errors,
    IReadOnlyList<IConfigurationCommand> Commands)
{
    public bool IsApplied => Applied is not null;
}

/// <summary>
/// Loads crm text into the store as ONE configuration change with one expected version, through the one
/// write path (<see cref="ConfigurationWriter"/>): parse, diff against the stored configuration, decide, append.
/// Nothing is applied when any line is bad; a domain refusal is reported at the line of the object that caused it.
/// A stale expected version raises <see cref="StaleConfigurationException"/> (HTTP 412).
/// </summary>
public sealed class ConfigurationLoader(IDocumentStore store, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <param name="expectedVersion">The version the admin saw; null means the version read now (a plain <c>load</c>).</param>
    public async Task<ConfigurationLoadResult> LoadAsync(string text, LoadMode mode, CommandMetadata meta,
        long? expectedVersion = null, string? reason = null, CancellationToken ct = default)
    {
        // A repeat of a request already carried out gets its first answer, whatever the version is by now.
        if (await new ConfigurationWriter(store).RepeatOfAsync(meta, ct) is { } repeated)
            return new ConfigurationLoadResult(repeated, [], []);
        var (current, version) = await ConfigurationReader.LoadAsync(store, ct);
        var expected = expectedVersion ?? version;
        if (expected != version) throw new StaleConfigurationException(expected, version);

        // Replace: the text alone is the configuration. Update: the text on top of the stored configuration.
        var parsed = CrmParser.Parse(text, mode == LoadMode.Replace ? ClusterConfiguration.Empty : current);
        if (!parsed.IsSuccess) return new ConfigurationLoadResult(null, parsed.Errors, []);

        var commands = ConfigurationDiff.Between(current, parsed.Parsed!.Configuration);
        var change = new ChangeConfiguration(expected, commands, _time.GetUtcNow(), meta.Actor,
            reason ?? $"load {mode.ToString().ToLowerInvariant()}");
        try
        {
            var applied = await new ConfigurationWriter(store).ChangeAsync(change, meta, ct);
            return new ConfigurationLoadResult(applied, [], commands);
        }
        catch (DomainException e)
        {
            return new ConfigurationLoadResult(null, e.Errors.Select(parsed.Parsed.Source.Locate).OrderBy(x => x.Line).ToList(), commands);
        }
    }
}
