import { defineConfig } from "drizzle-kit";

// Only `generate` is used: migrations are applied at start-up by drizzle's migrator (src/client.ts).
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/schema/index.ts",
  out: "./migrations",
  strict: true,
});
