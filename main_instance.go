package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"
)

// instanceID names this process among the pushdeck instances sharing a
// database: host and process id for the operator reading the instances
// table or a log, and a random part so two processes never share an id
// (a process restarted with a recycled pid, or containers that all run as
// pid 1 on hosts of one name). It owns the process's batch and webhook
// leases; a restarted process is a new instance, and the leases of the
// dead one are released by the leader once its heartbeat expires.
func instanceID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}

// instanceLeaseFromEnv reads PUSHDECK_INSTANCE_LEASE (default 15s): how
// long an instance's heartbeat and the leader lease last unrenewed, so how
// soon another instance leads, and a dead one's batches are sent again,
// after it dies. Shorter reacts sooner and writes more often (two rows per
// instance every third of it).
func instanceLeaseFromEnv() (time.Duration, error) {
	raw := os.Getenv("PUSHDECK_INSTANCE_LEASE")
	if raw == "" {
		return 15 * time.Second, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < time.Second || d > 10*time.Minute {
		return 0, &usageError{msg: "PUSHDECK_INSTANCE_LEASE must be a duration from 1s to 10m, such as 15s"}
	}
	return d, nil
}
