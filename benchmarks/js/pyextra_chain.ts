// Copied to <oracle>/convex/pyextra.ts for one `python -m benchmarks --oracle` run.
import { v } from "convex/values";
import { internal } from "./_generated/api";
import { internalMutation } from "./_generated/server";

export const step = internalMutation({
  args: { remaining: v.number() },
  handler: async (ctx, { remaining }) => {
    await ctx.db.insert("messages", { author: "chain", body: "tick", channel: "chain", n: remaining });
    if (remaining > 1) {
      await ctx.scheduler.runAfter(0, (internal as any).pyextra.step, { remaining: remaining - 1 });
    }
  },
});
