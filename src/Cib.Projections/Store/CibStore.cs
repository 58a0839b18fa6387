using System.Data.Common;
using Cib.Domain;
using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Services.Json.Transformations;
using Weasel.Core;

namespace Cib.Projections.Store;

/// <summary>Marten wiring of the CIB event log: event names, JSON, metadata, stream ids.</summary>
public static class CibStore
{
    public const string DefaultSchema = "cib";

    /// <summary>Configures Marten for the CIB. Schema objects are created only by migrations/ (<see cref="SchemaMigrations"/>).</summary>
    public static void Configure(StoreOptions options, string connectionString, string schema = DefaultSchema)
    {
        options.Connection(connectionString);
        options.DatabaseSchemaName = schema;
        // jsonb does not keep key order: polymorphic discriminators may come after other properties.
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase,
            json =>
            {
                json.AllowOutOfOrderMetadataProperties = true;
                json.Converters.Add(new ActorJsonConverter());
            });
        options.Events.StreamIdentity = StreamIdentity.AsString;
        options.Events.MetadataConfig.EnableAll();
        options.Events.MetadataConfig.UserNameEnabled = true;
        foreach (var (type, name) in EventCatalog.All)
            options.Events.MapEventType(type, name);
        // A retired name is read as the current event through its upcast (the same code CibEventLog reads with).
        foreach (var upcast in EventUpcasts.All)
        {
            var type = EventCatalog.TypeOf(upcast.To) ?? throw new InvalidOperationException($"{upcast.From} upcasts to an unknown name {upcast.To}");
            options.Events.Upcast(type, upcast.From, new JsonTransformation(
                (_, reader, index) => ReadUpcast(upcast.From, reader, index),
                (_, reader, index, _) => ValueTask.FromResult(ReadUpcast(upcast.From, reader, index))));
        }
        // The raw log's query indexes (0007, decision 0011) and the unique event ids (0010, decision 0015) are
        // migrations/'s, not Marten's: it must not drop them.
        foreach (var index in LogIndexes) options.Events.IgnoreIndex(index);
        options.AutoCreateSchemaObjects = AutoCreate.None;
    }

    /// <summary>
    /// The indexes on <c>mt_events</c> for the history's queries (migration 0007) and for unique event ids (migration
    /// 0010), which Marten leaves alone.
    /// </summary>
    public static readonly string[] LogIndexes =
        ["ix_mt_events_type_seq", "ix_mt_events_stream_seq", "ix_mt_events_user_seq", "ix_mt_events_correlation_seq", "ix_mt_events_timestamp",
            CibEventLog.EventIdIndex];

    private static object ReadUpcast(string storedName, DbDataReader reader, int index) =>
        EventUpcasts.Read(storedName, reader.GetString(index), CibEventLog.Json)!;

    public static DocumentStore Create(string connectionString, string schema = DefaultSchema) =>
        DocumentStore.For(o => Configure(o, connectionString, schema));

}
