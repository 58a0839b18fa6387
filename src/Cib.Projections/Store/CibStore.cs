using Cib.Domain;
using JasperFx;
using JasperFx.Events;
using Marten;
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
            json => json.AllowOutOfOrderMetadataProperties = true);
        options.Events.StreamIdentity = StreamIdentity.AsString;
        options.Events.MetadataConfig.EnableAll();
        options.Events.MetadataConfig.UserNameEnabled = true;
        foreach (var (type, name) in EventCatalog.All)
            options.Events.MapEventType(type, name);
        options.AutoCreateSchemaObjects = AutoCreate.None;
    }

    public static DocumentStore Create(string connectionString, string schema = DefaultSchema) =>
        DocumentStore.For(o => Configure(o, connectionString, schema));

}
