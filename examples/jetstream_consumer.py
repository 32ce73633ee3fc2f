# A durable pull consumer of nianbao's feed on NATS JetStream (README, "The feed on NATS JetStream").
import asyncio, json, os, nats
async def main():
    nc = await nats.connect(os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    sub = await nc.jetstream().pull_subscribe("nianbao.records.>", durable=os.environ.get("DURABLE", "parser"), stream="NIANBAO")
    while True:
        try: batch = await sub.fetch(10, timeout=2)
        except nats.errors.TimeoutError: break  # caught up: run again later (or loop forever)
        for msg in batch:
            record = json.loads(msg.data)  # the same JSON as `nianbao export`
            print(record["seq"], msg.headers["Nats-Msg-Id"], record["portal"], record["title"], flush=True)
            await msg.ack()  # only after the record was processed: a crash gets it again
    await nc.close()
asyncio.run(main())
