// Datasets: the IDX loader and MNIST-PVR grids (paper §4).
export * from './idx';
export * from './pvr';
export * from './summary';
