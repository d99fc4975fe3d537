global using OrleansBreaker;
