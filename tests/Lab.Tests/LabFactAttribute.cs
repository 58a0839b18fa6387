namespace Lab.Tests;

/// <summary>A test that needs the real lab, hence root; skipped with the reason otherwise.</summary>
public sealed class LabFactAttribute : FactAttribute
{
    public LabFactAttribute()
    {
        if (!LabSupport.Lab.IsRoot)
            Skip = "needs root: the lab makes network, PID and mount namespaces, a bridge and a loop device (run ./ha test as root)";
    }
}
