/** Named character references without `&` and `;` (`copy`) to the characters they stand for (`©`). */
export declare const characterEntities: Record<string, string>;
