namespace ScTransfer.Testing;

/// <summary>The tests' way in: the proxy in front of the shared Azurite (started on first use).</summary>
public sealed partial class StorageFaultProxy
{
    public static StorageFaultProxy Start()
    {
        _ = Azurite.Shared;
        return Start(Azurite.TablePort);
    }
}
