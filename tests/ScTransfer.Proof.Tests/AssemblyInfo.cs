// These tests bound latencies and recovery times on a 2-core machine: run them one at a time, not against each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
