/** What the composed answers say, in Spanish (Argentina) and English: one sentence per fact. */
import type { ProductFacts } from './chunking.ts';

export const PHRASES = {
  es: {
    abstain:
      'No tengo información confirmada para responder eso. Consultá con tu mozo o moza, que lo verifica con la cocina.',
    contains: (n: string, a: string, why: string) => `${n} contiene ${a}${why ? ` (${why})` : ''}.`,
    traceOnly: (n: string, a: string) =>
      `${n} no lleva ${a} como ingrediente, pero puede contener trazas de ${a}.`,
    notDeclared: (n: string, a: string, tag: string) =>
      `${n} no tiene ${a} entre sus alérgenos declarados${tag ? ` y figura como ${tag}` : ''}.`,
    traces: (n: string, a: string) => `${n} puede contener trazas de ${a}.`,
    dietYes: (n: string, d: string) => `${n} es apto para ${d} según nuestra ficha.`,
    dietNo: (n: string, d: string, why: string) =>
      `${n} no figura como apto para ${d}.${why ? ` ${n} contiene ${why}.` : ''}`,
    note: (src: string, s: string) => `Según ${src}: ${s}`,
    unavailable: (n: string, b: string) => `${n} no está disponible hoy en ${b}.`,
    availableAt: (n: string, price: string) => `${n} está disponible, a ${price}.`,
    price: (n: string, price: string, b: string) => `${n} cuesta ${price} en ${b}.`,
    card: (f: ProductFacts) => `${f.name}: ${f.description} Ingredientes: ${f.ingredients.join(', ')}.`,
    allergenList: (xs: string[]) => `Alérgenos: ${xs.join(', ')}.`,
    noAllergensDeclared: 'Sin alérgenos declarados.',
    noAllergens: (n: string) => `${n} no tiene alérgenos declarados ni trazas registradas.`,
    docContains: (n: string, a: string, src: string) => `${n} contiene ${a}, según ${src}.`,
    docContainsSheetTrace: (n: string, a: string, src: string) =>
      `${n} contiene ${a}, según ${src}; su ficha lo registra como posibles trazas de ${a}.`,
    docTrace: (n: string, a: string, src: string) => `${n} puede contener trazas de ${a}, según ${src}.`,
    perSource: (src: string) => `según ${src}`,
    noInfoAbout: (n: string) => `Sobre ${n} no tengo ese dato confirmado.`,
    ingredients: (n: string, xs: string[]) => `${n} lleva: ${xs.join(', ')}.`,
    ingredientYes: (n: string, i: string) => `Sí: ${n} lleva ${i}.`,
    ingredientVia: (n: string, i: string, via: string) => `${n} se sirve con ${via}, que lleva ${i}.`,
    ingredientNo: (n: string, i: string) => `${i} no figura entre los ingredientes de ${n}.`,
    spice: (n: string, l: number) => (l > 0 ? `${n} tiene picor ${l} de 3.` : `${n} no pica.`),
    listFree: (a: string, b: string, xs: string) =>
      `Sin ${a} entre sus alérgenos declarados, disponibles en ${b}: ${xs}.`,
    listTraces: (a: string, xs: string) => `Pueden contener trazas de ${a}: ${xs}.`,
    listContains: (a: string, xs: string) => `Contienen ${a}: ${xs}.`,
    listUntagged: (tag: string, xs: string) =>
      `No figuran como ${tag} y no podemos confirmar que sean aptos: ${xs}.`,
    listDiet: (d: string, b: string, xs: string) => `Aptos para ${d}, disponibles en ${b}: ${xs}.`,
    listSpicy: (b: string, xs: string) =>
      `Platos que pican, disponibles en ${b}: ${xs}. El resto de la carta no pica.`,
    listLight: (b: string, xs: string) => `Opciones livianas disponibles en ${b}: ${xs}.`,
    listShare: (b: string, xs: string) => `Para compartir, disponibles en ${b}: ${xs}.`,
    listIngredient: (what: string, b: string, xs: string) =>
      `Platos ${what} según sus ingredientes, disponibles en ${b}: ${xs}.`,
    listCategory: (c: string, b: string, xs: string) => `${c} disponibles en ${b}: ${xs}.`,
    noneAvailable: (b: string) => `No hay platos disponibles en ${b} que cumplan eso.`,
    spiceOf: (l: number) => `picor ${l} de 3`,
    mayContain: (a: string) => `puede contener trazas de ${a}`,
    mayContainPer: (a: string, src: string) => `puede contener trazas de ${a} según ${src}`,
    containsPer: (a: string, src: string) => `contiene ${a} según ${src}`,
    allergyClose: 'Si tenés una alergia severa, avisá a tu mozo o moza: la cocina confirma cada pedido.',
    notHere: ' (no disponible hoy en esta sucursal)',
    diet: { vegan: 'veganos', vegetarian: 'vegetarianos' },
    tag: { gluten_free: 'sin TACC', lactose_free: 'sin lactosa' } as Record<string, string>,
  },
  en: {
    abstain:
      "I can't confirm that from the information I have. Please ask your server, who will check with the kitchen.",
    contains: (n: string, a: string, why: string) => `${n} contains ${a}${why ? ` (${why})` : ''}.`,
    traceOnly: (n: string, a: string) =>
      `${n} has no ${a} as an ingredient, but it may contain traces of ${a}.`,
    notDeclared: (n: string, a: string, tag: string) =>
      `${n} does not list ${a} among its declared allergens${tag ? ` and is marked ${tag}` : ''}.`,
    traces: (n: string, a: string) => `${n} may contain traces of ${a}.`,
    dietYes: (n: string, d: string) => `${n} is suitable for ${d} according to our menu sheet.`,
    dietNo: (n: string, d: string, why: string) =>
      `${n} is not marked as suitable for ${d}.${why ? ` ${n} contains ${why}.` : ''}`,
    note: (src: string, s: string) => `From "${src}" (in Spanish): ${s}`,
    unavailable: (n: string, b: string) => `${n} is not available today at ${b}.`,
    availableAt: (n: string, price: string) => `${n} is available, at ${price}.`,
    price: (n: string, price: string, b: string) => `${n} costs ${price} at ${b}.`,
    card: (f: ProductFacts) => `${f.name}: ${f.description} Ingredients: ${f.ingredients.join(', ')}.`,
    allergenList: (xs: string[]) => `Allergens: ${xs.join(', ')}.`,
    noAllergensDeclared: 'No declared allergens.',
    noAllergens: (n: string) => `${n} has no declared allergens and no traces on record.`,
    docContains: (n: string, a: string, src: string) => `${n} contains ${a}, according to "${src}".`,
    docContainsSheetTrace: (n: string, a: string, src: string) =>
      `${n} contains ${a}, according to "${src}"; its menu sheet lists it as possible traces of ${a}.`,
    docTrace: (n: string, a: string, src: string) =>
      `${n} may contain traces of ${a}, according to "${src}".`,
    perSource: (src: string) => `according to "${src}"`,
    noInfoAbout: (n: string) => `I can't confirm that for ${n}.`,
    ingredients: (n: string, xs: string[]) => `${n} is made with: ${xs.join(', ')}.`,
    ingredientYes: (n: string, i: string) => `Yes: ${n} has ${i}.`,
    ingredientVia: (n: string, i: string, via: string) => `${n} is served with ${via}, which has ${i}.`,
    ingredientNo: (n: string, i: string) => `${i} is not among the ingredients of ${n}.`,
    spice: (n: string, l: number) =>
      l > 0 ? `${n} has a spice level of ${l} out of 3.` : `${n} is not spicy.`,
    listFree: (a: string, b: string, xs: string) =>
      `Without ${a} among their declared allergens, available at ${b}: ${xs}.`,
    listTraces: (a: string, xs: string) => `May contain traces of ${a}: ${xs}.`,
    listContains: (a: string, xs: string) => `Contain ${a}: ${xs}.`,
    listUntagged: (tag: string, xs: string) =>
      `They are not marked ${tag}, so we can't confirm they are suitable: ${xs}.`,
    listDiet: (d: string, b: string, xs: string) => `Suitable for ${d}, available at ${b}: ${xs}.`,
    listSpicy: (b: string, xs: string) =>
      `Spicy dishes available at ${b}: ${xs}. Nothing else on the menu is spicy.`,
    listLight: (b: string, xs: string) => `Light options available at ${b}: ${xs}.`,
    listShare: (b: string, xs: string) => `Good for sharing, available at ${b}: ${xs}.`,
    listIngredient: (what: string, b: string, xs: string) =>
      `Dishes ${what} by their ingredients, available at ${b}: ${xs}.`,
    listCategory: (c: string, b: string, xs: string) => `${c} available at ${b}: ${xs}.`,
    noneAvailable: (b: string) => `No dish available at ${b} meets that.`,
    spiceOf: (l: number) => `spice ${l}/3`,
    mayContain: (a: string) => `may contain traces of ${a}`,
    mayContainPer: (a: string, src: string) => `may contain traces of ${a} according to "${src}"`,
    containsPer: (a: string, src: string) => `contains ${a} according to "${src}"`,
    allergyClose: 'If you have a severe allergy, tell your server: the kitchen confirms every order.',
    notHere: ' (not available today at this branch)',
    diet: { vegan: 'vegans', vegetarian: 'vegetarians' },
    tag: { gluten_free: 'gluten-free', lactose_free: 'lactose-free' } as Record<string, string>,
  },
};
