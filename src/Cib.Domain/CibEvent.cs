namespace Cib.Domain;

/// <summary>Every stored event: a past-tense fact with the time it happened.</summary>
public interface ICibEvent
{
    DateTimeOffset At { get; }
}

/// <summary>An event of the configuration stream: it bumps the configuration version (epoch).</summary>
public interface IConfigurationEvent : ICibEvent;

/// <summary>A status event (membership, operations, fencing, transitions): never bumps the configuration version.</summary>
public interface IStatusEvent : ICibEvent;
