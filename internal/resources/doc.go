// Package resources turns a CharacterSimulation into the Kubernetes objects
// that run it. Every function here is pure: the same simulation and options
// always give the same objects, nothing talks to an API server, and random
// values (generated credentials) are inputs. The reconciler applies what these
// builders return with server-side apply, so the builders describe the
// operator's whole intent for each object and nothing more.
package resources
