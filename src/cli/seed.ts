export async function seed(): Promise<number> {
  throw new Error("liftlog seed: not built yet");
}
