// ReaSCAN (Wu et al. 2021) and gSCAN (Ruis et al. 2020) grounded commands for the IIT paper's §5: the grid world
// and its tensor, the action simulator, simple commands and their referents, the seeded generator with Figure 3b's
// splits, the original data files, the file check and the attribute and position counterfactuals.
export * from './world';
export * from './simulator';
export * from './grammar';
export * from './generate';
export * from './format';
export * from './check';
export * from './counterfactual';
