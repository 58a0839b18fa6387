using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Audit.Api.Security;

/// <summary>
/// The token-signing key ring in the store (<c>cib.ha_api_keys</c>, migration 0006) rather than one node's disk: every
/// node's API reads the same keys, so a token issued by one is accepted by all, and a node that is lost takes no key
/// with it. Keys are only ever added (the data protection system revokes and expires them by adding elements).
/// </summary>
public sealed class StoreKeyRepository(NpgsqlDataSource store) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = store.CreateCommand("SELECT xml FROM cib.ha_api_keys ORDER BY created_at, name");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read()) elements.Add(XElement.Parse(reader.GetString(0)));
        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var command = store.CreateCommand("INSERT INTO cib.ha_api_keys (name, xml) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING");
        command.Parameters.AddWithValue(friendlyName);
        command.Parameters.AddWithValue(element.ToString(SaveOptions.DisableFormatting));
        command.ExecuteNonQuery();
    }
}
