package resources

// Environment variables read by the charsim images. The compose files and the
// binaries use the same names; these constants are the one list of them.
const (
	EnvDatabaseURL         = "DATABASE_URL"
	EnvQdrantURL           = "QDRANT_URL"
	EnvQdrantAPIKey        = "QDRANT_API_KEY"
	EnvQdrantCollection    = "QDRANT_COLLECTION"
	EnvRedisURL            = "REDIS_URL"
	EnvMCPAuthToken        = "MCP_AUTH_TOKEN"
	EnvMCPListenAddr       = "MCP_LISTEN_ADDR"
	EnvConsoleEnabled      = "CONSOLE_ENABLED"
	EnvEmbeddingProvider   = "EMBEDDING_PROVIDER"
	EnvEmbeddingBaseURL    = "EMBEDDING_BASE_URL"
	EnvEmbeddingModel      = "EMBEDDING_MODEL"
	EnvEmbeddingDimensions = "EMBEDDING_DIMENSIONS"
	EnvEmbeddingAPIKey     = "EMBEDDING_API_KEY"
	EnvRecallFusion        = "RECALL_FUSION"
	EnvRecallLexicalWeight = "RECALL_FUSION_LEXICAL_WEIGHT"
	EnvRecallVectorWeight  = "RECALL_FUSION_VECTOR_WEIGHT"
	EnvRecallDateWeight    = "RECALL_FUSION_DATE_WEIGHT"
	EnvGoMemLimit          = "GOMEMLIMIT"

	EnvDiscordToken    = "DISCORD_TOKEN"
	EnvDiscordGuildIDs = "DISCORD_GUILD_IDS"
	EnvMCPServerURL    = "MCP_SERVER_URL"
	EnvLLMBaseURL      = "LLM_BASE_URL"
	EnvLLMModel        = "LLM_MODEL"
	EnvAvatarBaseURL   = "AVATAR_BASE_URL"
	EnvCardMaxFileSize = "CARD_MAX_FILE_SIZE"
	EnvLLMAPIKey       = "LLM_API_KEY"
)

// MCPServerEnv lists every variable the operator may set on the MCP server.
var MCPServerEnv = []string{
	EnvDatabaseURL, EnvQdrantURL, EnvQdrantAPIKey, EnvQdrantCollection, EnvRedisURL, EnvMCPAuthToken, EnvMCPListenAddr,
	EnvEmbeddingProvider, EnvEmbeddingBaseURL, EnvEmbeddingModel, EnvEmbeddingDimensions, EnvEmbeddingAPIKey,
	EnvRecallFusion, EnvRecallLexicalWeight, EnvRecallVectorWeight, EnvRecallDateWeight, EnvGoMemLimit, EnvConsoleEnabled, EnvCardMaxFileSize,
}

// DiscordBotEnv lists every variable the operator may set on the Discord bot.
var DiscordBotEnv = []string{
	EnvDiscordToken, EnvDiscordGuildIDs, EnvMCPServerURL, EnvMCPAuthToken,
	EnvLLMBaseURL, EnvLLMModel, EnvLLMAPIKey, EnvRedisURL, EnvAvatarBaseURL, EnvCardMaxFileSize,
}
