using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cib.Domain;
using Cib.Domain.Constraints;
using Cib.Domain.Operations;
using Cib.Domain.Primitives;
using Cib.Domain.Resources;
using Cib.Domain.Transitions;
using Cib.Domain.Users;
using Cib.Projections.Store;
using Marten;
using TestSupport;
using Xunit;

namespace Cib.Projections.Tests.Store;

/// <summary>
/// The stored schema of every event, pinned: each sample of <see cref="EventSerializationTests.Samples"/> serialises,
/// through both writers (Marten's serializer as <see cref="CibStore"/> configures it, and <see cref="CibEventLog.Json"/>),
/// to exactly the text checked in under <c>Store/EventSchemas/&lt;stored name&gt;.jsonl</c> (one line per sample, in
/// sample order), and every checked-in text reads back as the equal event. A failure here means what an event stores
/// changed: events already in logs keep the old shape, so either keep the shape, or store the change under a new
/// version with an upcast from the old one (docs/decisions/0006). Only for a new event (or a new version) are the files
/// written anew: run the tests once with <c>HA_UPDATE_EVENT_SCHEMAS=1</c> and review the diff.
/// </summary>
public class EventSchemaTests
{
    private static readonly string Folder = Path.Combine(Repo.Root, "tests", "Cib.Projections.Tests", "Store", "EventSchemas");

    private static readonly Lazy<ISerializer> Marten = new(() =>
    {
        var options = new StoreOptions();
        CibStore.Configure(options, "Host=localhost;Database=unused");
        return options.Serializer();
    });

    public static TheoryData<string> Names() => [.. EventCatalog.All.Select(e => e.Name)];

    private static IReadOnlyList<ICibEvent> SamplesOf(string name) =>
        [.. EventSerializationTests.Samples().Where(s => EventCatalog.NameOf(s) == name)];

    private static string GoldenPath(string name) => Path.Combine(Folder, name + ".jsonl");

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_event_stores_the_checked_in_json(string name)
    {
        var samples = SamplesOf(name);
        Assert.NotEmpty(samples);
        var written = samples.Select(e => JsonSerializer.Serialize(e, e.GetType(), CibEventLog.Json)).ToList();
        if (Environment.GetEnvironmentVariable("HA_UPDATE_EVENT_SCHEMAS") == "1")
        {
            Directory.CreateDirectory(Folder);
            File.WriteAllText(GoldenPath(name), string.Concat(written.Select(w => w + "\n")), new UTF8Encoding(false));
        }
        var golden = ReadGolden(name);
        Assert.True(golden.Count == samples.Count, $"{name}: {golden.Count} checked-in lines for {samples.Count} samples");
        for (var i = 0; i < samples.Count; i++)
        {
            Assert.True(golden[i] == written[i],
                $"the stored schema of {name} changed (sample {i + 1}): events already stored read in the old shape. "
                + $"Keep the shape, or store the change as a new version with an upcast (docs/decisions/0006).\n"
                + $"checked in: {golden[i]}\nwritten now: {written[i]}");
            Assert.Equal(golden[i], Marten.Value.ToJson(samples[i]));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_checked_in_json_reads_as_the_equal_event(string name)
    {
        var samples = SamplesOf(name);
        var golden = ReadGolden(name);
        Assert.Equal(samples.Count, golden.Count);
        var type = EventCatalog.TypeOf(name)!;
        for (var i = 0; i < samples.Count; i++)
        {
            Assert.Equal(samples[i], EventUpcasts.Read(name, golden[i], CibEventLog.Json));
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(golden[i]));
            Assert.Equal(samples[i], Marten.Value.FromJson(type, stream));
        }
    }

    [Fact]
    public void Every_checked_in_schema_is_of_a_registered_event() =>
        Assert.Equal(
            EventCatalog.All.Select(e => e.Name + ".jsonl").Order(StringComparer.Ordinal),
            Directory.GetFiles(Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));

    /// <summary>
    /// Values an event may store as they are: each has a stable, explicit JSON form of its own (a converter: a score as
    /// text, a duration in milliseconds, a map as an object, a list as an array, an actor as <c>user:alice</c>).
    /// </summary>
    private static readonly HashSet<Type> Values =
    [
        typeof(string), typeof(bool), typeof(int), typeof(long), typeof(DateTimeOffset),
        typeof(Score), typeof(Duration), typeof(ValueMap), typeof(Actor), typeof(IEnumerable<string>),
    ];

    /// <summary>
    /// The shapes the events own, declared beside them (the enums are stored by member name). A domain record does not
    /// belong here: give the event a shape of its own and map to and from it in Cib.Domain (docs/decisions/0006).
    /// </summary>
    private static readonly HashSet<Type> EventShapes =
    [
        typeof(PrimitiveData), typeof(GroupData), typeof(AgentData), typeof(OperationData),
        typeof(ConstraintData), typeof(LocationData), typeof(ColocationData), typeof(OrderData), typeof(OrderKindData),
        typeof(OperationOrigin), typeof(OperationStatus), typeof(PlannedAction), typeof(ActionKind), typeof(UserRole),
    ];

    [Fact]
    public void Events_store_only_plain_values_and_shapes_of_their_own()
    {
        var seen = new HashSet<Type>();
        var foreign = new List<string>();
        foreach (var e in EventCatalog.All)
            Visit(e.Type, e.Name, isEvent: true);
        Assert.True(foreign.Count == 0,
            "events store domain types, which ties the stored schema to the domain model:\n" + string.Join("\n", foreign));

        void Visit(Type type, string path, bool isEvent = false)
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueList<>))
            {
                Visit(type.GetGenericArguments()[0], path + "[]");
                return;
            }
            if (Values.Contains(type)) return;
            if (!isEvent && !EventShapes.Contains(type))
            {
                foreign.Add($"{path}: {type.FullName}");
                return;
            }
            if (!seen.Add(type) || type.IsEnum) return;
            foreach (var derived in type.GetCustomAttributes<JsonDerivedTypeAttribute>())
                Visit(derived.DerivedType, $"{path}<{derived.TypeDiscriminator}>");
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
                Visit(property.PropertyType, $"{path}.{property.Name}");
        }
    }

    private static IReadOnlyList<string> ReadGolden(string name)
    {
        var path = GoldenPath(name);
        Assert.True(File.Exists(path), $"no checked-in schema for {name} ({path}): run once with HA_UPDATE_EVENT_SCHEMAS=1 and review it");
        return [.. File.ReadAllText(path, Encoding.UTF8).Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }
}
