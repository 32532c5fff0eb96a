import { describePoolRecipe } from './helpers/pool-recipe.js';

describePoolRecipe('piscina');
