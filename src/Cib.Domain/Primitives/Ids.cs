namespace Cib.Domain.Primitives;

/// <summary>Rules for object ids (resources, constraints, nodes), as Pacemaker's XML ids allow.</summary>
public static class Ids
{
    /// <summary>An id starts with a letter or '_' and continues with letters, digits, '_', '-', '.' or ':'.</summary>
    public static bool IsValid(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 256
        && (char.IsAsciiLetter(id[0]) || id[0] == '_')
        && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':');

    /// <summary>Node names are host names: letters, digits, '-', '_' and '.'.</summary>
    public static bool IsValidNodeName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 253
        && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
