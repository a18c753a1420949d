// A subscriber on order.placed, as most stores have one (order mail): with the Redis event bus an
// event is queued only when the emitting process has a subscriber for it (tests/test_real_workers.py).
import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"

export default async function orderPlaced({ event, container }: SubscriberArgs<{ id: string }>) {
  const logger = container.resolve("logger")
  logger.info(`storectl tier subscriber: order.placed ${event.data.id}`)
}

export const config: SubscriberConfig = { event: "order.placed" }
