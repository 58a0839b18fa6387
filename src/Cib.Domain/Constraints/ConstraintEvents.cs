namespace Cib.Domain.Constraints;

public sealed record ConstraintDefined(Constraint Constraint, DateTimeOffset At) : IConfigurationEvent;
public sealed record ConstraintUpdated(Constraint Constraint, DateTimeOffset At) : IConfigurationEvent;
public sealed record ConstraintDeleted(string Id, DateTimeOffset At) : IConfigurationEvent;
