// placeholder until the zoo layer lands
