// Package compose holds the tests that keep compose.yaml, compose.lite.yaml
// (no Qdrant), compose.hybrid.yaml and .env.example in step with the
// operator: the same images and tags, the same environment variable names as
// the builders in internal/resources, and
// the same ports, plus the compose-only rules (a healthcheck on every service,
// named volumes for the data stores, only the MCP port published, the data
// stores on an internal network).
package compose
