export default {
  // Every component of the app uses runes ($state, $props, …).
  compilerOptions: { runes: true },
};
