// Package backup holds the pure parts of the SimulationBackup step machine:
// the snapshot objects a backup creates, how far a backup has got given what
// its snapshots report, and which finished backups retention prunes. The
// controller in controllers/ reads the API server, calls these, and writes.
package backup
